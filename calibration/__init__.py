"""Calibration of jobsim to the record: simulated moments, uncertainty, identification, sensitivity.

``jobsim calibrate calibration/hunan.toml --out calibration/fitted/hunan_2020.toml`` runs
:func:`jobsim.calibration.cli.run_calibrate`. Modules: ``config`` (the TOML schema), ``targets``
(moments from the data), ``simulate`` (moments from the model), ``objective`` (weighting, priors,
concentrated recording share), ``evaluator`` (parallel, cached, checkpointed runs), ``smm``
(global and local stages, sandwich standard errors), ``diagnostics`` (profiles, Jacobian,
Morris), ``fitted`` (the parameter file, metadata, posterior draws), ``report``, ``recovery``.
Data flow one way: calibration imports model; the model never imports calibration.
"""
