"""Services of LeadDesk: the work behind the window and the CLI. Nothing here imports Qt widgets."""
