"""Online learning: courses and lessons a bureau or a provider publishes, and the study time
the server measures from the heartbeats it issued (issue 11)."""
