// FunnelNN
