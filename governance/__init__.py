"""The rules-as-code core: load, check, compile, evaluate and explain rule sets."""
