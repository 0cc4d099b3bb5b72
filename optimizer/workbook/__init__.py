"""Stage 1, the input workbook: schema, reading, validation, the WhatIfs syntax, the template."""
