from sklearn.svm import LinearSVC

svc = LinearSVC(max_iter=5000)
candidates = [0.25, 0.5, 1, 2, 4]
scores = []
for value in candidates:
    svc.set_params(C=value)
    svc.fit(X, y)
    scores.append(svc.score(X_val, y_val))
print(max(zip(scores, candidates)))
