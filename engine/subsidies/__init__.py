"""Housing subsidies: applications, supervisor decisions within the office's budget, monthly payments."""
