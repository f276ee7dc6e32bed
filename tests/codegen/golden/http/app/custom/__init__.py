"""Your code. lcnc writes this folder once and never overwrites it when the project is regenerated."""
