"""Process instances, their stored state, timers and incidents."""
