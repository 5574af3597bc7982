print("prune")
