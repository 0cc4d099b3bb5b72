"""The .xlsx file format at the level of its parts: read, merge and write packages.

The plan workbook is the user's workbook with the tool's result sheets merged in at the
package level, so every part the tool does not own is carried over byte for byte.
"""
