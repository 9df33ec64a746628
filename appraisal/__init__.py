"""Yearly appraisal of member units: schemes in YAML, vectorised scoring, explanations.

Entry points: `appraisal.scheme.load_scheme`, `appraisal.check.check_scheme_file`,
`appraisal.pipeline.appraise_file`, `appraisal.demo.run_demo`, and the `appraise`
and `template` commands registered by `appraisal.cli.register`.
"""
