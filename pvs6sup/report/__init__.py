"""What a person looks at beyond the terminal: the HTML report (render.py, from load.py's ReportData) and the
summary email (summary.py). The status screen is the status command's (pvs6sup.commands.status)."""
