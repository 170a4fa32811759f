"""The assistant's own code: languages, content, dialogue rules, NLU components and channels."""
