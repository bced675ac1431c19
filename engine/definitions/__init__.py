"""Process definitions: uploading, validating and versioning BPMN and DMN files."""
