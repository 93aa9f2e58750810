"""Online exams of courses (issue 11): question banks, timed attempts, hours on pass, 成绩单."""
