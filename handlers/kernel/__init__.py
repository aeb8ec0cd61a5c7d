"""What every feature's handlers share, and no feature owns: buttons, answers to presses, shared filters."""
