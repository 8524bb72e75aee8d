"""Forecasts of the headline indicators, backtested, and the ABM's no-new-policy macro path.

Modules, one job each:

``series``    the headline series as pandas objects, read through :mod:`jobsim.data`
``models``    candidate statsmodels specs (SARIMAX, ETS, UC), fitting, naive benchmarks
``backtest``  rolling-origin backtests: MASE and 80/95% interval coverage
``pipeline``  one series end to end: backtest, choose by backtest, refit, forecast
``paths``     the macro path handed to the ABM in output units (growth -> demand, draws)
``exog``      forecasts with GDP growth as exogenous regressor, backtested against naive
``plots``     one figure per series
``runner``    ``jobsim forecast``: all series, CSVs and plots, written atomically

Entry points: :func:`jobsim.forecast.runner.run_forecast` and
:func:`jobsim.forecast.paths.macro_path`. See ``docs/forecast.md``.
"""
