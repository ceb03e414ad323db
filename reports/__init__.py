"""Discrepancy reports and province settlement statements: JSON, CSV, Excel, PDF, XML."""
