"""Work-permit applications, review, notification letters and permits."""
