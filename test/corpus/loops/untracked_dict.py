from sklearn.svm import SVC

scores = {}
for C in [0.01, 0.1, 1, 10]:
    for kernel in ("linear", "rbf"):
        clf = SVC(C=C, kernel=kernel)
        clf.fit(X_train, y_train)
        scores[(C, kernel)] = clf.score(X_val, y_val)

best = max(scores, key=scores.get)
print("best", best, scores[best])
