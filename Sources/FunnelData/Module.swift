// FunnelData
