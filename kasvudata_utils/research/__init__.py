"""Researcher analyses: OLS, spatial statistics, growth factors, convergence, support effectiveness, exports."""
