"""What instructors run to make and hand out assignments: scaffold, generate the student notebook, release."""
