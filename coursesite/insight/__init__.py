"""Insight for instructors: question statistics (Moodle's definitions), charts, the participants' grades and the
grade export. docs/insight.md defines every figure."""
