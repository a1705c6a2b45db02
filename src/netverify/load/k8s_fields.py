"""The field names of the Kubernetes API types netverify reads. GENERATED: do not edit.

Written by tools/gen_k8s_fields.py from the official Kubernetes Python client 37.0.2 (its models'
openapi_types / attribute_map). Each type maps its JSON field names to what they hold: another type of
this table (a mapping), "[]" + one (a list of them), or "" (a field whose insides netverify does not read).
"""

SOURCE = 'kubernetes 37.0.2'

KINDS: dict[str, str] = {
    'NetworkPolicy': 'V1NetworkPolicy',
    'Pod': 'V1Pod',
    'Deployment': 'V1Deployment',
    'StatefulSet': 'V1StatefulSet',
    'DaemonSet': 'V1DaemonSet',
    'ReplicaSet': 'V1ReplicaSet',
    'ReplicationController': 'V1ReplicationController',
    'Job': 'V1Job',
    'CronJob': 'V1CronJob',
    'Service': 'V1Service',
    'Namespace': 'V1Namespace',
}

FIELDS: dict[str, dict[str, str]] = {
    'V1Container': {
        'args': '', 'command': '', 'env': '', 'envFrom': '', 'image': '', 'imagePullPolicy': '',
        'lifecycle': '', 'livenessProbe': '', 'name': '', 'ports': '[]V1ContainerPort', 'readinessProbe': '',
        'resizePolicy': '', 'resources': '', 'restartPolicy': '', 'restartPolicyRules': '',
        'securityContext': '', 'startupProbe': '', 'stdin': '', 'stdinOnce': '', 'terminationMessagePath': '',
        'terminationMessagePolicy': '', 'tty': '', 'volumeDevices': '', 'volumeMounts': '', 'workingDir': '',
    },
    'V1ContainerPort': {
        'containerPort': '', 'hostIP': '', 'hostPort': '', 'name': '', 'protocol': '',
    },
    'V1CronJob': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1CronJobSpec', 'status': '',
    },
    'V1CronJobSpec': {
        'concurrencyPolicy': '', 'failedJobsHistoryLimit': '', 'jobTemplate': 'V1JobTemplateSpec',
        'schedule': '', 'startingDeadlineSeconds': '', 'successfulJobsHistoryLimit': '', 'suspend': '',
        'timeZone': '',
    },
    'V1DaemonSet': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1DaemonSetSpec', 'status': '',
    },
    'V1DaemonSetSpec': {
        'minReadySeconds': '', 'revisionHistoryLimit': '', 'selector': 'V1LabelSelector',
        'template': 'V1PodTemplateSpec', 'updateStrategy': '',
    },
    'V1Deployment': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1DeploymentSpec', 'status': '',
    },
    'V1DeploymentSpec': {
        'minReadySeconds': '', 'paused': '', 'progressDeadlineSeconds': '', 'replicas': '',
        'revisionHistoryLimit': '', 'selector': 'V1LabelSelector', 'strategy': '',
        'template': 'V1PodTemplateSpec',
    },
    'V1IPBlock': {
        'cidr': '', 'except': '',
    },
    'V1Job': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1JobSpec', 'status': '',
    },
    'V1JobSpec': {
        'activeDeadlineSeconds': '', 'backoffLimit': '', 'backoffLimitPerIndex': '', 'completionMode': '',
        'completions': '', 'managedBy': '', 'manualSelector': '', 'maxFailedIndexes': '', 'parallelism': '',
        'podFailurePolicy': '', 'podReplacementPolicy': '', 'scheduling': '', 'selector': 'V1LabelSelector',
        'successPolicy': '', 'suspend': '', 'template': 'V1PodTemplateSpec', 'ttlSecondsAfterFinished': '',
    },
    'V1JobTemplateSpec': {
        'metadata': 'V1ObjectMeta', 'spec': 'V1JobSpec',
    },
    'V1LabelSelector': {
        'matchExpressions': '[]V1LabelSelectorRequirement', 'matchLabels': '',
    },
    'V1LabelSelectorRequirement': {
        'key': '', 'operator': '', 'values': '',
    },
    'V1Namespace': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': '', 'status': '',
    },
    'V1NetworkPolicy': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1NetworkPolicySpec',
    },
    'V1NetworkPolicyEgressRule': {
        'ports': '[]V1NetworkPolicyPort', 'to': '[]V1NetworkPolicyPeer',
    },
    'V1NetworkPolicyIngressRule': {
        'from': '[]V1NetworkPolicyPeer', 'ports': '[]V1NetworkPolicyPort',
    },
    'V1NetworkPolicyPeer': {
        'ipBlock': 'V1IPBlock', 'namespaceSelector': 'V1LabelSelector', 'podSelector': 'V1LabelSelector',
    },
    'V1NetworkPolicyPort': {
        'endPort': '', 'port': '', 'protocol': '',
    },
    'V1NetworkPolicySpec': {
        'egress': '[]V1NetworkPolicyEgressRule', 'ingress': '[]V1NetworkPolicyIngressRule',
        'podSelector': 'V1LabelSelector', 'policyTypes': '',
    },
    'V1ObjectMeta': {
        'annotations': '', 'creationTimestamp': '', 'deletionGracePeriodSeconds': '', 'deletionTimestamp': '',
        'finalizers': '', 'generateName': '', 'generation': '', 'labels': '', 'managedFields': '', 'name': '',
        'namespace': '', 'ownerReferences': '[]V1OwnerReference', 'resourceVersion': '', 'selfLink': '',
        'uid': '',
    },
    'V1OwnerReference': {
        'apiVersion': '', 'blockOwnerDeletion': '', 'controller': '', 'kind': '', 'name': '', 'uid': '',
    },
    'V1Pod': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1PodSpec',
        'status': 'V1PodStatus',
    },
    'V1PodIP': {
        'ip': '',
    },
    'V1PodSpec': {
        'activeDeadlineSeconds': '', 'affinity': '', 'automountServiceAccountToken': '',
        'containers': '[]V1Container', 'dnsConfig': '', 'dnsPolicy': '', 'enableServiceLinks': '',
        'ephemeralContainers': '', 'evictionResponders': '', 'hostAliases': '', 'hostIPC': '',
        'hostNetwork': '', 'hostPID': '', 'hostUsers': '', 'hostname': '', 'hostnameOverride': '',
        'imagePullSecrets': '', 'initContainers': '[]V1Container', 'nodeName': '', 'nodeSelector': '',
        'os': '', 'overhead': '', 'preemptionPolicy': '', 'priority': '', 'priorityClassName': '',
        'readinessGates': '', 'resourceClaims': '', 'resources': '', 'restartPolicy': '',
        'runtimeClassName': '', 'schedulerName': '', 'schedulingGates': '', 'schedulingGroup': '',
        'securityContext': '', 'serviceAccount': '', 'serviceAccountName': '', 'setHostnameAsFQDN': '',
        'shareProcessNamespace': '', 'subdomain': '', 'terminationGracePeriodSeconds': '', 'tolerations': '',
        'topologySpreadConstraints': '', 'volumes': '',
    },
    'V1PodStatus': {
        'allocatedResources': '', 'conditions': '', 'containerStatuses': '', 'ephemeralContainerStatuses': '',
        'extendedResourceClaimStatus': '', 'hostIP': '', 'hostIPs': '', 'initContainerStatuses': '',
        'message': '', 'nodeAllocatableResourceClaimStatuses': '', 'nominatedNodeName': '',
        'observedGeneration': '', 'phase': '', 'podIP': '', 'podIPs': '[]V1PodIP', 'qosClass': '',
        'reason': '', 'resize': '', 'resourceClaimStatuses': '', 'resources': '', 'startTime': '',
        'volumeHealth': '',
    },
    'V1PodTemplateSpec': {
        'metadata': 'V1ObjectMeta', 'spec': 'V1PodSpec',
    },
    'V1ReplicaSet': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1ReplicaSetSpec', 'status': '',
    },
    'V1ReplicaSetSpec': {
        'minReadySeconds': '', 'replicas': '', 'selector': 'V1LabelSelector', 'template': 'V1PodTemplateSpec',
    },
    'V1ReplicationController': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1ReplicationControllerSpec',
        'status': '',
    },
    'V1ReplicationControllerSpec': {
        'minReadySeconds': '', 'replicas': '', 'selector': '', 'template': 'V1PodTemplateSpec',
    },
    'V1Service': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1ServiceSpec', 'status': '',
    },
    'V1ServicePort': {
        'appProtocol': '', 'name': '', 'nodePort': '', 'port': '', 'protocol': '', 'targetPort': '',
    },
    'V1ServiceSpec': {
        'allocateLoadBalancerNodePorts': '', 'clusterIP': '', 'clusterIPs': '', 'externalIPs': '',
        'externalName': '', 'externalTrafficPolicy': '', 'healthCheckNodePort': '',
        'internalTrafficPolicy': '', 'ipFamilies': '', 'ipFamilyPolicy': '', 'loadBalancerClass': '',
        'loadBalancerIP': '', 'loadBalancerSourceRanges': '', 'ports': '[]V1ServicePort',
        'publishNotReadyAddresses': '', 'selector': '', 'sessionAffinity': '', 'sessionAffinityConfig': '',
        'trafficDistribution': '', 'type': '',
    },
    'V1StatefulSet': {
        'apiVersion': '', 'kind': '', 'metadata': 'V1ObjectMeta', 'spec': 'V1StatefulSetSpec', 'status': '',
    },
    'V1StatefulSetOrdinals': {
        'start': '',
    },
    'V1StatefulSetSpec': {
        'minReadySeconds': '', 'ordinals': 'V1StatefulSetOrdinals', 'persistentVolumeClaimRetentionPolicy': '',
        'podManagementPolicy': '', 'replicas': '', 'revisionHistoryLimit': '', 'selector': 'V1LabelSelector',
        'serviceName': '', 'template': 'V1PodTemplateSpec', 'updateStrategy': '', 'volumeClaimTemplates': '',
    },
}
