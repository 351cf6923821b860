"""Credit records of employers, workers and agencies; dishonesty list; inspections."""
