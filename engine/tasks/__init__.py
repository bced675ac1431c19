"""Human tasks: the relational projection of open and completed user tasks, and the inbox."""
