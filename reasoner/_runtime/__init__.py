"""Runtime guards every layer may use: time limits, input safety, no network, the Java runtime."""
