"""The eval suite: datasets in the format of shared/EVALS.md, played through the webhook."""
