import pandas as pd
from sklearn.linear_model import LogisticRegression

scores = {}
for C in (10 ** k for k in range(-3, 3)):
    clf = LogisticRegression(C=C, max_iter=2000)
    clf.fit(X_train, y_train)
    scores[C] = {"train": clf.score(X_train, y_train), "test": clf.score(X_test, y_test)}

frame = pd.DataFrame.from_dict(scores, orient="index")
frame.plot(logx=True)
