"""Named domain operations: how processes write the case's facts into our own tables.

A user task names the operation its submitted form feeds (task property ``operation``); a service task names
the operation it calls (``spiffworkflow:serviceTaskOperator``). The operation writes rows, enforces the rules
(four-eyes, money, dates) and returns only ids and routing outcomes, which become the process data. See
``processes/README.md`` for the catalogue a process owner can use.
"""

from engine.operations.registry import Call, Operation, OperationKind, Subject, all_operations, get_operation

__all__ = ["Call", "Operation", "OperationKind", "Subject", "all_operations", "get_operation"]
