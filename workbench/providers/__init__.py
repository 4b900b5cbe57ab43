"""Model clients. `openai_compat` is the lean streaming client for the chat-completions wire format;
`litellm_provider` (the one module that imports litellm, lazily) covers every other provider."""
