import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score


def select_C(X, y, C_values, folds=5):
    """Mean cross-validated accuracy for each value of C."""
    means = []
    for C in C_values:
        model = LogisticRegression(penalty="l2", C=C, max_iter=5000)
        means.append(cross_val_score(model, X, y, cv=folds).mean())
    return means


C_values = np.logspace(-2, 2, 5)
means = select_C(X, y, C_values)
