/** Bringing annotators' work together: the W&B pull, bundles, and the merge rules both share. */
export { applyVersion, contentDigest, type ApplyOutcome, type IncomingVersion } from './apply';
export { exportBundle, importBundle, type BundleDeps, type BundleProgress } from './bundle';
export { BUNDLE_FORMAT_VERSION } from './bundleFormat';
export { PULL_JOB_KIND, PullService, type PullDeps } from './pull';
