"""Yearly appraisal of member units: schemes in YAML, vectorised scoring, explanations.

Entry points: `appraisal.scheme.load_scheme`, `appraisal.check.check_scheme_file`,
`appraisal.read.read_input` (the officer's file, read as meant), `appraisal.pipeline.appraise_file`,
`appraisal.demo.run_demo`, and the `appraise` and `template` commands of `medunion.commands.appraisal`.
Every text written to a workbook or CSV goes through `appraisal.safe_cells`.
"""
