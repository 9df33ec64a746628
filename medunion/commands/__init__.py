"""The command groups of `medunion`, one module each; `common` holds what they share."""
