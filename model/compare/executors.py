"""The executors moved to :mod:`jobsim.executors` (shared with the calibration); same names."""

from jobsim.executors import (
    DaskExecutor,
    Executor,
    ExecutorError,
    LocalExecutor,
    available_cores,
    check_executor_arguments,
    check_scheduler_address,
    exit_with_parent,
    make_executor,
)

__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "make_executor", "available_cores",
           "ExecutorError", "check_executor_arguments", "check_scheduler_address",
           "exit_with_parent"]
