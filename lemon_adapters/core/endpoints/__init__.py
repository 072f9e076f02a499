"""The JSON endpoints on the same exchange: embeddings, rerank and the model catalog."""
