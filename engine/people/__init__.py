"""The beneficiary's registration: household, identity documents, consents and case flags."""
