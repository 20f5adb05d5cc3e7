"""What a person looks at: the status screen (status.py), the HTML report (render.py, from load.py's
ReportData) and the summary email (summary.py).

The status renderings are re-exported so that `from .report import status_text` keeps working.
"""

from .status import RECENT_S, age_text, last_recorded_text, status_json, status_text

__all__ = ["RECENT_S", "age_text", "last_recorded_text", "status_json", "status_text"]
