"""KasvuDATA: analytics of micro-enterprise and SME growth in Northern Ostrobothnia.

Everything that is computed lives in this package; notebooks and Voilà apps
stay thin. Layers run one way: ``areas``/``data`` → ``indicators``/``spatial``/
``scenarios`` → ``plots``/``maps`` → ``apps``/``reports``.
"""
__version__ = "0.1.0"
