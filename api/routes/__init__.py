"""HTTP routes, one module per kind of caller (buyers, the shop, agents, providers, operators)."""
