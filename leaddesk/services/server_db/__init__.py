"""PostgreSQL as a LeadDesk database: server addresses, passwords, engines and copying between backends."""
