"""The data subject's rights: subject-access export, rectification, retention with legal holds."""
