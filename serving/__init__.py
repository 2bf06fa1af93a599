"""Serving rnnviz to a class, apart from the library (rnnviz) and the app (rnnviz.ui): training in worker
processes (training_pool), memory given back after a class (reclaim), simulated students (loadtest) and
several replicas behind nginx (deploy)."""
