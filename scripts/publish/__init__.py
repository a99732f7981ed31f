"""Publishing: figures, tables, country profiles, the audit trail and the manifest of a run."""
