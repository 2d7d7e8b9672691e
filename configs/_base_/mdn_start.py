# The MDN start of every COCO and coco-mini MDN config: the paper's mixture NLL, started from the data, its means'
# gradient weighted as in beta-NLL, at weight 0.03 in eq. 6 (the paper: 0.1). Chosen on design seed 0 of the
# cold-start benchmark (benchmarks/cold_start.py; benchmarks/results/cold_start.md has the curves, the diagnosis
# and the fresh seeds):
# - MDNDataInitHook: the component means start at k-means centroids of the training set's offsets and sigma at its
#   maximum-likelihood value around them ("by carefully initializing MDN parameters"). From the paper's start
#   (means ~0, sigma at its floor of 10) the NLL's first gradients on the shared backbone are ~270x L1's, and Adam's
#   second moments remember that spike for thousands of iterations: every branch, heatmaps included, then steps
#   3-7x less far than L1's.
# - beta=1 (beta-NLL's weighting, on the means only): the means' gradient is r_m (mu - o) instead of
#   r_m (mu - o) / (sigma v_k)^2, so a face keypoint (small v_k) does not outweigh a limb 9-17x and a person with a
#   large sigma keeps teaching its means. The loss value and its stationary points are the NLL's.
# - loss_weight 0.03: with the spike gone, the NLL's gradient on the backbone is still ~3x L1's offset term and
#   holds back the heatmaps (their focal losses lag L1's at every checkpoint); 0.03 scales it to about L1's.
#   Unlike the other two this changes eq. 6's balance between the terms (not the NLL).
# The paper's own recipe (untrained start, plain NLL gradients, weight 0.1): the *_paper configs.
mdn_offset_loss = dict(type='MDNLoss', loss_weight=0.03, beta=1.0)
mdn_start_hook = dict(type='MDNDataInitHook', mean_init='kmeans', sigma_init='ml')
