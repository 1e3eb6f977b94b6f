"""LangChain tools the agents call. Tenant and customer come from the runtime context."""
