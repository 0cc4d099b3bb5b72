"""Stage 5, report: result sheets, charts and the .xlsx package they are merged into."""
