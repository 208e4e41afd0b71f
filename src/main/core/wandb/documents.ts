/**
 * Every GraphQL document Folio sends to W&B. The wandb-core (and SDK-generated) ones are verbatim
 * the text the official SDK puts on the wire (docs/WANDB_PROTOCOL.md §1.3); the two
 * reads marked "Folio" select only fields the SDK itself selects elsewhere. A test validates each
 * against schema.graphql, and the simulator rejects any that does not validate.
 */

export interface GqlDocument {
  operationName: string;
  query: string;
}

/** go:Viewer — verifies the key and gives the default entity. */
export const VIEWER: GqlDocument = {
  operationName: 'Viewer',
  query: `query Viewer {
	viewer {
		id
		entity
		username
		email
		flags
		teams {
			edges {
				node {
					name
				}
			}
		}
	}
}`,
};

/** go:ServerFeaturesQuery */
export const SERVER_FEATURES: GqlDocument = {
  operationName: 'ServerFeaturesQuery',
  query: `query ServerFeaturesQuery {
	serverInfo {
		features {
			name
			isEnabled
		}
	}
}`,
};

/** go:UpsertBucket — creates or updates a run. */
export const UPSERT_BUCKET: GqlDocument = {
  operationName: 'UpsertBucket',
  query: `mutation UpsertBucket ($id: String, $name: String, $project: String, $entity: String, $groupName: String, $description: String, $displayName: String, $notes: String, $commit: String, $config: JSONString, $host: String, $debug: Boolean, $program: String, $repo: String, $jobType: String, $state: String, $sweep: String, $tags: [String!], $summaryMetrics: JSONString) {
	upsertBucket(input: {id:$id,name:$name,groupName:$groupName,modelName:$project,entityName:$entity,description:$description,displayName:$displayName,notes:$notes,config:$config,commit:$commit,host:$host,debug:$debug,jobProgram:$program,jobRepo:$repo,jobType:$jobType,state:$state,sweep:$sweep,tags:$tags,summaryMetrics:$summaryMetrics}) {
		bucket {
			id
			name
			displayName
			description
			config
			sweepName
			project {
				id
				name
				entity {
					id
					name
				}
			}
			historyLineCount
		}
		inserted
	}
}`,
};

/** go:CreateArtifact */
export const CREATE_ARTIFACT: GqlDocument = {
  operationName: 'CreateArtifact',
  query: `mutation CreateArtifact ($input: CreateArtifactInput!) {
	createArtifact(input: $input) {
		... CreatedArtifact
	}
}
fragment CreatedArtifact on CreateArtifactPayload {
	artifact {
		id
		state
		artifactSequence {
			latestArtifact {
				id
			}
		}
	}
}`,
};

/** go:CreateArtifactManifest — called twice for a FULL manifest (reserve, then with the digest to get the upload URL). */
export const CREATE_ARTIFACT_MANIFEST: GqlDocument = {
  operationName: 'CreateArtifactManifest',
  query: `mutation CreateArtifactManifest ($artifactID: ID!, $baseArtifactID: ID, $name: String!, $digest: String!, $entityName: String!, $projectName: String!, $runName: String!, $manifestType: ArtifactManifestType!, $includeUpload: Boolean!) {
	createArtifactManifest(input: {artifactID:$artifactID,baseArtifactID:$baseArtifactID,name:$name,digest:$digest,entityName:$entityName,projectName:$projectName,runName:$runName,type:$manifestType}) {
		artifactManifest {
			id
			file {
				id
				uploadUrl @include(if: $includeUpload)
				uploadHeaders @include(if: $includeUpload)
			}
		}
	}
}`,
};

/** go:CreateArtifactFiles */
export const CREATE_ARTIFACT_FILES: GqlDocument = {
  operationName: 'CreateArtifactFiles',
  query: `mutation CreateArtifactFiles ($artifactFiles: [CreateArtifactFileSpecInput!]!, $storageLayout: ArtifactStorageLayout!) {
	createArtifactFiles(input: {artifactFiles:$artifactFiles,storageLayout:$storageLayout}) {
		files {
			edges {
				node {
					storagePath
					uploadUrl
					uploadHeaders
					uploadMultipartUrls {
						uploadID
						uploadUrlParts {
							partNumber
							uploadUrl
						}
					}
					artifact {
						id
					}
				}
			}
		}
	}
}`,
};

/** go:CommitArtifact */
export const COMMIT_ARTIFACT: GqlDocument = {
  operationName: 'CommitArtifact',
  query: `mutation CommitArtifact ($artifactID: ID!) {
	commitArtifact(input: {artifactID:$artifactID}) {
		artifact {
			id
			digest
		}
	}
}`,
};

/** go:ClientIDMapping — after a crash: did the version we named with this client id reach the server? */
export const CLIENT_ID_MAPPING: GqlDocument = {
  operationName: 'ClientIDMapping',
  query: `query ClientIDMapping ($clientID: ID!) {
	clientIDMapping(clientID: $clientID) {
		serverID
	}
}`,
};

/** go:ArtifactManifest */
export const ARTIFACT_MANIFEST: GqlDocument = {
  operationName: 'ArtifactManifest',
  query: `query ArtifactManifest ($artifact_id: ID!) {
	artifact(id: $artifact_id) {
		currentManifest {
			file {
				directUrl
			}
		}
	}
}`,
};

/** custom:ArtifactVersionByName (docs/WANDB_PROTOCOL.md §4.1) — resolves `collection:latest`. */
export const ARTIFACT_VERSION_BY_NAME: GqlDocument = {
  operationName: 'ArtifactVersionByName',
  query: `query ArtifactVersionByName($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifact(name: $name) {
      id
      digest
      state
      versionIndex
      size
      fileCount
      createdAt
      metadata
      description
      artifactType { name }
      artifactSequence { id name latestArtifact { id versionIndex } }
      aliases { artifactCollectionName alias }
      currentManifest { file { directUrl } }
    }
  }
}`,
};

/** Folio: the state of one version by id (after commit, and when checking remote state after a crash). */
export const ARTIFACT_STATE: GqlDocument = {
  operationName: 'FolioArtifactState',
  query: `query FolioArtifactState($id: ID!) {
  artifact(id: $id) {
    id
    digest
    state
    versionIndex
    aliases { artifactCollectionName alias }
    artifactSequence { id name latestArtifact { id versionIndex } }
  }
}`,
};

/** Folio: whether a project exists under an entity (Settings → Test connection); the fields UpsertBucket selects of a project. */
export const PROJECT: GqlDocument = {
  operationName: 'FolioProject',
  query: `query FolioProject($entity: String!, $project: String!) {
  project(name: $project, entityName: $entity) {
    id
    name
    entity { id name }
  }
}`,
};

/** go:CreateRunFiles — upload URLs for run files (the evaluation's per-document table), docs/WANDB_PROTOCOL.md §2.4. */
export const CREATE_RUN_FILES: GqlDocument = {
  operationName: 'CreateRunFiles',
  query: `mutation CreateRunFiles ($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
	createRunFiles(input: {entityName:$entity,projectName:$project,runName:$run,files:$files}) {
		runID
		uploadHeaders
		files {
			name
			uploadUrl
		}
	}
}`,
};

/** go:UseArtifact — declares an artifact version as a run's input (lineage, docs/WANDB_PROTOCOL.md §3.6). */
export const USE_ARTIFACT: GqlDocument = {
  operationName: 'UseArtifact',
  query: `mutation UseArtifact ($input: UseArtifactInput!) {
	useArtifact(input: $input) {
		artifact {
			id
		}
	}
}`,
};

/**
 * py-generated:PROJECT_ARTIFACTS — the official SDK's listing of a collection's versions
 * (`api.artifacts(type, name)`); Folio passes `filters: {"state": "COMMITTED"}` as the public API
 * does by default (docs/WANDB_PROTOCOL.md §4.2). Used by the lead's pull (src/main/core/exchange).
 */
export const PROJECT_ARTIFACTS: GqlDocument = {
  operationName: 'ProjectArtifacts',
  query: `query ProjectArtifacts($entity: String!, $project: String!, $type: String!, $collection: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString, $includeAliases: Boolean = true) {
  project(entityName: $entity, name: $project) {
    artifactType(name: $type) {
      artifactCollection(name: $collection) {
        __typename
        artifacts(after: $cursor, first: $perPage, order: $order, filters: $filters) {
          totalCount
          pageInfo {
            ...PageInfoFragment
          }
          edges {
            version
            node {
              ...ArtifactFragment
            }
          }
        }
      }
    }
  }
}

fragment ArtifactAliasFragment on ArtifactAlias {
  __typename
  id
  alias
}

fragment ArtifactFragment on Artifact {
  __typename
  id
  artifactSequence {
    ...SourceCollectionInfoFragment
  }
  versionIndex
  artifactType {
    name
  }
  description
  metadata
  ttlDurationSeconds
  ttlIsInherited
  tags {
    ...TagFragment
  }
  historyStep
  state
  size
  digest
  commitHash
  fileCount
  createdAt
  updatedAt
  aliases @include(if: $includeAliases) {
    artifactCollection {
      ...CollectionInfoFragment
    }
    ...ArtifactAliasFragment
  }
}

fragment CollectionInfoFragment on ArtifactCollection {
  __typename
  name
  project {
    ...ProjectInfoFragment
  }
}

fragment PageInfoFragment on PageInfo {
  __typename
  endCursor
  hasNextPage
}

fragment ProjectInfoFragment on Project {
  id
  internalId
  name
  entity {
    name
  }
}

fragment SourceCollectionInfoFragment on ArtifactSequence {
  __typename
  name
  project {
    ...ProjectInfoFragment
  }
}

fragment TagFragment on Tag {
  __typename
  id
  name
}`,
};

/** go:ArtifactFileURLsByManifestEntries — presigned download URLs for manifest entries (wandb-core's downloader). */
export const ARTIFACT_FILE_URLS_BY_MANIFEST_ENTRIES: GqlDocument = {
  operationName: 'ArtifactFileURLsByManifestEntries',
  query: `query ArtifactFileURLsByManifestEntries ($id: ID!, $entries: [ArtifactManifestEntryInput!], $storageLayout: String!, $manifestVersion: String!, $storageRegion: String) {
	artifact(id: $id) {
		filesByManifestEntries(storageLayout: $storageLayout, manifestVersion: $manifestVersion, entries: $entries, storageRegion: $storageRegion) {
			pageInfo {
				hasNextPage
				endCursor
			}
			edges {
				node {
					name
					directUrl
				}
			}
		}
	}
}

#==============================================================================
# 4b. Artifact read path (Python generated, wandb/sdk/artifacts/_generated/operations.py)
#==============================================================================`,
};

/** Every document above: the validation test walks this list. */
export const ALL_DOCUMENTS: readonly GqlDocument[] = [
  VIEWER,
  SERVER_FEATURES,
  UPSERT_BUCKET,
  CREATE_ARTIFACT,
  CREATE_ARTIFACT_MANIFEST,
  CREATE_ARTIFACT_FILES,
  COMMIT_ARTIFACT,
  CLIENT_ID_MAPPING,
  ARTIFACT_MANIFEST,
  ARTIFACT_VERSION_BY_NAME,
  ARTIFACT_STATE,
  CREATE_RUN_FILES,
  USE_ARTIFACT,
  PROJECT_ARTIFACTS,
  ARTIFACT_FILE_URLS_BY_MANIFEST_ENTRIES,
  PROJECT,
];
