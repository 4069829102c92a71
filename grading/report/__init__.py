"""What people read: the class report (stats, plots, PDF), students' feedback, a student's PDF."""
