// FunnelModels
