"""The `leaddesk` command line, on the same services as the window."""
